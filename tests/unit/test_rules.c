/* SPDX-License-Identifier: MIT
 * test_rules.c - the consistency rules on pages loaded from temporary files: stage order,
 * future dates (and what is published), status against stages, patents against stages,
 * stale projects at the month boundary; exact messages and positions. */
#include "rules.h"

#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static arena *A;
static char root[64]; /* /tmp/clinfolio-test-rules-XXXXXX */
static config cfg;

/* {====================================================================
 * helpers
 * ===================================================================== */

static void
write_file(const char *rel, const char *text)
{
    harness_write_file(root, rel, text);
}

/* site.yaml: the default twelve stages unless yaml says otherwise */
static void
load_config(const char *yaml)
{
    write_file("site.yaml", yaml);
    diag *d = diag_new();
    OK(config_load(&cfg, root, NULL, A, d), "site.yaml loads");
    diag_free(d);
}

static value_date
date_of(const char *s)
{
    value_date d;
    OK(value_date_parse(&d, s, strlen(s)), "test date %s", s);
    return d;
}

static rules_options
options(const char *now, const char *build_date)
{
    rules_options o = {&cfg, date_of(now), date_of(build_date), false, false};
    return o;
}

/* Loads content/projects/<name>.md with this front matter into p. */
static void
load_page(page *p, const char *section, const char *name, const char *front)
{
    char rel[128], text[4096];
    snprintf(rel, sizeof rel, "content/%s/%s.md", section, name);
    snprintf(text, sizeof text, "---\n%s---\nBody.\n", front);
    write_file(rel, text);
    diag *d = diag_new();
    page_load_options lo = {&cfg, NULL, root, false};
    bool ok = page_load(p, &lo, rel, section, false, A, d);
    char *s = diag_to_string(d);
    OK(ok && *s == '\0', "%s loads cleanly: %s", rel, s);
    free(s);
    diag_free(d);
}

/* The rules' diagnostics on pages[0..n), as text; free() it. */
static char *
run(const rules_options *o, const page *pages, size_t n)
{
    diag *d = diag_new();
    rules_check(o, pages, n, d);
    char *s = diag_to_string(d);
    diag_free(d);
    return s;
}

/* One page, its front matter, and the exact diagnostics the rules give it. */
static void
expect(const rules_options *o, const char *front, const char *want, const char *what)
{
    page p;
    load_page(&p, "projects", "p", front);
    char *s = run(o, &p, 1);
    STR_EQ(s, want, what);
    free(s);
}

#define NOW  "2025-06-01"
#define PROJ "title: P\ndate: 2025-05-01\n"

/* {====================================================================
 * stage-order
 * ===================================================================== */

static void
test_stage_order(void)
{
    rules_options o = options(NOW, NOW);
    expect(&o, PROJ "stages:\n  need: 2023-03-01\n  prototype: {date: 2023-01-12, note: x}\n",
           "content/projects/p.md:6:21: warning: stage 'prototype' (2023-01-12) is dated before "
           "'need' (2023-03-01), which comes earlier in site.yaml stages\n",
           "a stage before an earlier one: at the later stage's date");
    /* written in any order in the file; site.yaml's order counts; equal dates are fine */
    expect(&o, PROJ "stages:\n  design: 2023-02-01\n  idea: 2023-02-01\n  need: 2023-01-01\n", "",
           "same-day stages and any writing order");
    /* each late stage names the latest earlier one */
    expect(&o,
           PROJ "stages:\n  need: 2023-05-01\n  idea: 2023-06-01\n  design: 2023-05-15\n"
                "  prototype: 2023-04-01\n  testing: 2023-07-01\n",
           "content/projects/p.md:7:11: warning: stage 'design' (2023-05-15) is dated before "
           "'idea' (2023-06-01), which comes earlier in site.yaml stages\n"
           "content/projects/p.md:8:14: warning: stage 'prototype' (2023-04-01) is dated before "
           "'idea' (2023-06-01), which comes earlier in site.yaml stages\n",
           "two late stages, each against the latest before it");
    /* dates with a time compare as instants: 20:00+08:00 is 12:00Z, before 13:00Z */
    expect(&o, PROJ "stages:\n  need: 2023-01-05T13:00:00Z\n  idea: 2023-01-05T20:00:00+08:00\n",
           "content/projects/p.md:6:9: warning: stage 'idea' (2023-01-05T20:00:00+08:00) is "
           "dated before 'need' (2023-01-05T13:00:00Z), which comes earlier in site.yaml stages\n",
           "instants, not calendar days");
}

/* {====================================================================
 * future-date and publishing
 * ===================================================================== */

static void
test_future(void)
{
    rules_options o = options("2025-06-01T12:00:00Z", NOW);
    expect(&o,
           "title: P\ndate: 2999-01-01\nupdated: 2999-02-01\nstages:\n  need: 2025-06-01\n"
           "  idea: 2025-06-02\n",
           "content/projects/p.md:3:7: warning: 'date' 2999-01-01 is in the future: the page is "
           "not published (--future publishes it)\n"
           "content/projects/p.md:4:10: warning: 'updated' 2999-02-01 is in the future\n"
           "content/projects/p.md:7:9: warning: stage 'idea' is dated 2025-06-02, in the future\n",
           "date, updated and a stage; today is not the future");
    o.future = true;
    expect(&o, "title: P\ndate: 2999-01-01\n",
           "content/projects/p.md:3:7: warning: 'date' 2999-01-01 is in the future (published "
           "because of --future)\n",
           "--future publishes it, still with the warning");
    o.future = false;
    expect(&o, "title: P\ndate: 2999-01-01\ndraft: true\n",
           "content/projects/p.md:3:7: warning: 'date' 2999-01-01 is in the future\n",
           "a draft is not published anyway");

    page p;
    load_page(&p, "projects", "p", "title: P\ndate: 2025-06-01T12:00:01Z\n");
    OK(rules_in_future(p.date, &o.now), "a second after now is the future");
    OK(!rules_published(&p, &o), "not published");
    o.future = true;
    OK(rules_published(&p, &o), "published with --future");
    o.future = false;
    load_page(&p, "projects", "p", "title: P\ndate: 2025-06-01T20:00:00+08:00\n");
    OK(!rules_in_future(p.date, &o.now), "12:00Z written in +08:00 is now, not the future");
    OK(rules_published(&p, &o), "published");
    load_page(&p, "projects", "p", "title: P\ndraft: true\n");
    OK(!rules_published(&p, &o), "a draft is not published");
    o.drafts = true;
    OK(rules_published(&p, &o), "a draft with --drafts is");
    load_page(&p, "projects", "p", "title: P\ndate: 2999-01-01\n");
    p.is_index = true;
    OK(rules_published(&p, &o), "an _index.md is published whatever its date");
}

/* {====================================================================
 * status-stages and patent-stage
 * ===================================================================== */

static void
test_status(void)
{
    rules_options o = options(NOW, NOW);
    expect(&o, PROJ "status: transferred\nstages:\n  need: 2023-01-01\n",
           "content/projects/p.md:4:9: warning: status is 'transferred' but stage 'transfer' has "
           "no date; add it under stages:\n",
           "transferred without a transfer date");
    expect(&o, PROJ "status: transferred\nstages:\n  transfer: 2023-01-01\n", "",
           "transferred with its date");
    expect(&o, PROJ "status: Marketed\n",
           "content/projects/p.md:4:9: warning: status is 'Marketed' but stage 'market' has no "
           "date; add it under stages:\n",
           "marketed without a market date, any case");
    expect(&o, PROJ "status: startup\n",
           "content/projects/p.md:4:9: warning: status is 'startup' but stage 'startup' has no "
           "date and outcomes has no 'company'; add it under stages:\n",
           "startup without a startup date or a company");
    expect(&o, PROJ "status: startup\noutcomes: {company: Acme Ltd}\n", "",
           "startup with a company");
    expect(&o, PROJ "status: active\nstages:\n  transfer: 2023-03-08\n",
           "content/projects/p.md:4:9: warning: status is 'active' but stage 'transfer' is dated "
           "2023-03-08; did you mean status: transferred?\n",
           "active with a transfer date");
    expect(&o, PROJ "status: active\nstages:\n  transfer: 2023-03-08\n  startup: 2023-05-01\n",
           "content/projects/p.md:4:9: warning: status is 'active' but stage 'startup' is dated "
           "2023-05-01; did you mean status: startup?\n",
           "active: the furthest stage is named");
    expect(&o, PROJ "status: stopped\nstages:\n  transfer: 2023-03-08\n", "",
           "stopped after a transfer is no contradiction");
    /* a site whose stages have no 'transfer' has nothing to compare */
    config keep = cfg;
    load_config("title: T\nbase_url: https://x.org/\nstages: [need, prototype]\n");
    expect(&o, PROJ "status: transferred\n", "", "no transfer stage in site.yaml: no rule");
    cfg = keep;
}

static void
test_patents(void)
{
    rules_options o = options(NOW, NOW);
    expect(&o,
           PROJ "outcomes:\n  patents:\n"
                "    - {number: CN202320158462.9, type: utility, status: granted}\n"
                "    - {number: CN202310091735.2, type: invention, status: granted}\n",
           "content/projects/p.md:6:57: warning: patent CN202320158462.9 is granted but stage "
           "'patent_granted' has no date; add it under stages:\n"
           "content/projects/p.md:6:57: warning: patent CN202320158462.9 is granted but stage "
           "'patent_filed' has no date; add it under stages:\n",
           "a granted patent needs both stages, said once for two patents");
    expect(&o,
           PROJ "stages:\n  patent_filed: 2023-01-01\noutcomes:\n  patents:\n"
                "    - {number: CN1, status: granted}\n",
           "content/projects/p.md:8:29: warning: patent CN1 is granted but stage "
           "'patent_granted' has no date; add it under stages:\n",
           "granted: patent_granted missing");
    expect(&o,
           PROJ "outcomes:\n  patents:\n    - {status: filed}\n    - {number: 2023, status: "
                "published}\n",
           "content/projects/p.md:6:16: warning: patent is filed but stage 'patent_filed' has "
           "no date; add it under stages:\n",
           "filed without a number; once per stage");
    expect(&o,
           PROJ "stages:\n  patent_filed: 2023-01-01\noutcomes:\n  patents:\n"
                "    - {number: CN1, status: filed}\n    - {number: CN2, status: rejected}\n"
                "    - CN3\n",
           "", "filed with its stage; other statuses and forms are not judged here");
}

/* {====================================================================
 * stale-project
 * ===================================================================== */

static void
test_stale(void)
{
    /* build date 2025-03-31: twelve months before is 2024-03-31 */
    rules_options o = options("2026-01-01", "2025-03-31");
    expect(&o, "title: P\ndate: 2024-03-31\nstatus: active\n", "",
           "exactly twelve months: not yet stale");
    expect(&o, "title: P\ndate: 2024-03-30\nstatus: active\n",
           "content/projects/p.md:3:7: warning: project has no date, update or stage since "
           "2024-03-30, more than 12 months before the build date 2025-03-31 (update the page "
           "and its 'updated' date, or set status: stopped or finished)\n",
           "a day more: stale, at the newest date");
    expect(&o, "title: P\ndate: 2020-01-01\nupdated: 2021-01-01\nstages:\n  need: 2024-04-01\n", "",
           "a recent stage keeps it fresh");
    expect(&o, "title: P\ndate: 2020-01-01\nupdated: 2021-01-01\nstages:\n  need: 2019-04-01\n",
           "content/projects/p.md:4:10: warning: project has no date, update or stage since "
           "2021-01-01, more than 12 months before the build date 2025-03-31 (update the page "
           "and its 'updated' date, or set status: stopped or finished)\n",
           "the newest of date, updated and the stages");
    static const char *const finals[] = {"stopped", "Finished", "transferred", "marketed",
                                         "startup"};
    page p;
    const value *newest;
    for (size_t i = 0; i < 5; i++) {
        char front[128];
        snprintf(front, sizeof front, "title: P\ndate: 2020-01-01\nstatus: %s\n", finals[i]);
        load_page(&p, "projects", "p", front);
        OK(!rules_stale(&p, &o, &newest) && newest && newest->as.date.year == 2020,
           "status %s is never stale", finals[i]);
    }
    load_page(&p, "news", "n", "title: N\ndate: 2020-01-01\nstatus: active\n");
    OK(!rules_stale(&p, &o, &newest), "only the projects section");
    load_page(&p, "projects", "p", "title: P\ndate: 2020-01-01\n");
    OK(!rules_stale(&p, &o, &newest), "a page without stages or status records no progress");
    load_page(&p, "projects", "p", "title: P\nstatus: active\n");
    OK(!rules_stale(&p, &o, &newest) && !newest, "no date at all: nothing to measure");
    load_page(&p, "projects", "p", "title: P\ndate: 2020-01-01\nstatus: active\ndraft: true\n");
    OK(!rules_stale(&p, &o, &newest), "a draft is not published");

    /* months back from the 31st, and from 29 February */
    o = options("2026-01-01", "2024-02-29");
    cfg.stale_months = 1;
    load_page(&p, "projects", "p", "title: P\ndate: 2024-01-29\nstatus: active\n");
    OK(!rules_stale(&p, &o, &newest), "one month before 29 February 2024 is 29 January");
    load_page(&p, "projects", "p", "title: P\ndate: 2024-01-28\nstatus: active\n");
    OK(rules_stale(&p, &o, &newest), "28 January is stale");
    o.build_date = date_of("2024-03-31");
    load_page(&p, "projects", "p", "title: P\ndate: 2024-02-29\nstatus: active\n");
    OK(!rules_stale(&p, &o, &newest), "one month before 31 March 2024 is 29 February");
    cfg.stale_months = 48;
    o.build_date = date_of("2024-02-29");
    load_page(&p, "projects", "p", "title: P\ndate: 2020-02-29\nstatus: active\n");
    OK(!rules_stale(&p, &o, &newest), "48 months before 29 February 2024 is 29 February 2020");
    load_page(&p, "projects", "p", "title: P\ndate: 2020-02-28\nstatus: active\n");
    expect(&o, "title: P\ndate: 2020-02-28\nstatus: active\n",
           "content/projects/p.md:3:7: warning: project has no date, update or stage since "
           "2020-02-28, more than 48 months before the build date 2024-02-29 (update the page "
           "and its 'updated' date, or set status: stopped or finished)\n",
           "stale_months in the message");
    cfg.stale_months = 12;
}

/* every rule over several pages at once, switched by checks: as site.yaml says */
static void
test_checks_switch(void)
{
    config keep = cfg;
    write_file("site.yaml", "title: T\nbase_url: https://x.org/\n"
                            "checks: {stage-order: error, future-date: off}\n");
    diag *d = diag_new();
    OK(config_load(&cfg, root, NULL, A, d), "site.yaml with checks loads");
    page pages[2];
    load_page(&pages[0], "projects", "a",
              "title: A\ndate: 2999-01-01\nstages:\n  need: 2023-03-01\n  idea: 2023-01-01\n");
    load_page(&pages[1], "projects", "b", "title: B\nstatus: transferred\n");
    rules_options o = options(NOW, NOW);
    rules_check(&o, pages, 2, d);
    char *s = diag_to_string(d);
    STR_EQ(s,
           "content/projects/a.md:6:9: error: stage 'idea' (2023-01-01) is dated before 'need' "
           "(2023-03-01), which comes earlier in site.yaml stages\n"
           "content/projects/b.md:3:9: warning: status is 'transferred' but stage 'transfer' has "
           "no date; add it under stages:\n",
           "stage-order an error, future-date off, the others warnings");
    INT_EQ(diag_error_count(d), 1, "one error");
    free(s);
    diag_free(d);
    cfg = keep;
}

int
main(void)
{
    snprintf(root, sizeof root, "/tmp/clinfolio-test-rules-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    A = arena_new();
    load_config("title: T\nbase_url: https://x.org/\n");
    test_stage_order();
    test_future();
    test_status();
    test_patents();
    test_stale();
    test_checks_switch();
    arena_free(A);
    harness_rm_rf(root);
    return harness_done();
}
