/* SPDX-License-Identifier: MIT
 * check.c - the data-quality summary of `clinfolio check`: collected from the site model
 * at the end of the check, printed as text or as JSON with the diagnostics. */
#include "check.h"

#include "arena.h"
#include "buf.h"
#include "rules.h"
#include "site.h"
#include "text.h"
#include "xalloc.h"

#include <string.h>

struct check_report {
    arena *a;
    value *summary; /* the site's part of "summary"; NULL until collected */
};

check_report *
check_report_new(void)
{
    check_report *r = xcalloc(1, sizeof(check_report));
    r->a = arena_new();
    return r;
}

void
check_report_free(check_report *r)
{
    if (!r)
        return;
    arena_free(r->a);
    free(r);
}

/* {====================================================================
 * collect
 * ===================================================================== */

static void
set(check_report *r, value *map, const char *key, value *v)
{
    value_map_set(map, key, v, r->a);
}

static value *
num(check_report *r, double n)
{
    return value_new_number(r->a, n, SRC_NONE);
}

/* s as a string value (valid UTF-8 for JSON: a file name may not be), NULL as null */
static value *
str(check_report *r, const char *s)
{
    if (!s)
        return value_new_null(r->a, SRC_NONE);
    buf b = BUF_INIT;
    text_clean_xml(&b, s, strlen(s));
    value *v = value_new_string(r->a, b.ptr, b.len, SRC_NONE);
    buf_free(&b);
    return v;
}

/* "2023-09-01": the calendar day of a date, as a string */
static value *
day(check_report *r, const value_date *d)
{
    buf b = BUF_INIT;
    value_date_format(&b, d, "%F");
    value *v = value_new_string(r->a, b.ptr, b.len, SRC_NONE);
    buf_free(&b);
    return v;
}

/* The summary entry of a cohort (NULL: projects without one), made on first use. */
static value *
cohort_entry(check_report *r, value *cohorts, const char *cohort, const config *cfg)
{
    for (size_t i = 0; i < value_len(cohorts); i++) {
        const value *c = value_map_get(cohorts->as.list.items[i], "cohort");
        const char *name = value_str(c);
        if ((!name && !cohort) || (name && cohort && strcmp(name, cohort) == 0))
            return cohorts->as.list.items[i];
    }
    value *e = value_new_map(r->a, SRC_NONE);
    set(r, e, "cohort", str(r, cohort));
    set(r, e, "projects", num(r, 0));
    value *missing = value_new_map(r->a, SRC_NONE);
    for (size_t k = 0; k < cfg->n_stages; k++)
        set(r, missing, cfg->stages[k].key, num(r, 0));
    set(r, e, "missing_stage_dates", missing);
    value_list_push(cohorts, e, r->a);
    return e;
}

static void
bump(value *counter)
{
    counter->as.number += 1;
}

/* Cohorts by name, projects without a cohort last. */
static int
cmp_cohorts(const void *pa, const void *pb)
{
    const char *a = value_str(value_map_get(*(value *const *)pa, "cohort"));
    const char *b = value_str(value_map_get(*(value *const *)pb, "cohort"));
    if (!a || !b)
        return !a - !b;
    return strcmp(a, b);
}

static bool
has_stage_date(const page *p, const char *key)
{
    for (size_t i = 0; i < value_len(p->stages); i++) {
        const char *k = value_str(value_map_get(p->stages->as.list.items[i], "key"));
        if (k && strcmp(k, key) == 0)
            return true;
    }
    return false;
}

void
check_report_collect(check_report *r, const site *s)
{
    const config *cfg = site_config(s);
    const rules_options *ro = site_rules(s);
    size_t n;
    page *const *pages = site_pages(s, &n);
    value *m = value_new_map(r->a, SRC_NONE);
    value *cohorts = value_new_list(r->a, SRC_NONE);
    value *stale = value_new_list(r->a, SRC_NONE);
    size_t projects = 0;
    for (size_t i = 0; i < n; i++) {
        const page *p = pages[i];
        if (strcmp(p->section, "projects") != 0)
            continue;
        projects++;
        value *c = cohort_entry(r, cohorts, p->cohort, cfg);
        bump(value_map_get(c, "projects"));
        value *missing = value_map_get(c, "missing_stage_dates");
        for (size_t k = 0; k < cfg->n_stages; k++)
            if (!has_stage_date(p, cfg->stages[k].key))
                bump(value_map_get(missing, cfg->stages[k].key));
        const value *newest;
        if (rules_stale(p, ro, &newest)) {
            value *e = value_new_map(r->a, SRC_NONE);
            set(r, e, "file", str(r, p->path));
            set(r, e, "title", str(r, p->title));
            set(r, e, "status", str(r, value_str(value_map_get(p->front, "status"))));
            set(r, e, "newest_date", day(r, &newest->as.date));
            value_list_push(stale, e, r->a);
        }
    }
    if (value_len(cohorts))
        qsort(cohorts->as.list.items, value_len(cohorts), sizeof(value *), cmp_cohorts);
    value *stages = value_new_list(r->a, SRC_NONE);
    for (size_t k = 0; k < cfg->n_stages; k++)
        value_list_push(stages, str(r, cfg->stages[k].key), r->a);
    set(r, m, "build_date", day(r, &ro->build_date));
    set(r, m, "pages", num(r, (double)n));
    set(r, m, "projects", num(r, (double)projects));
    set(r, m, "stages", stages);
    set(r, m, "cohorts", cohorts);
    set(r, m, "stale_months", num(r, (double)cfg->stale_months));
    set(r, m, "stale_projects", stale);
    r->summary = m;
}

/* {====================================================================
 * print
 * ===================================================================== */

static const char *
plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Terminal columns of a code point: 2 for East Asian wide and full-width characters
 * (CJK, Hangul, full-width forms), else 1. */
static size_t
columns_of(unsigned long c)
{
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
                   (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                   (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                   (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD)
               ? 2
               : 1;
}

/* The width of s in a terminal (table cells line up under Chinese cohort names). */
static size_t
width_of(const char *s)
{
    size_t w = 0, len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_seq(s + i, len - i);
        if (n == 0) { /* not UTF-8: one column, as the replacement character prints */
            w++;
            i++;
            continue;
        }
        unsigned long c = n == 1 ? (unsigned char)s[i] : (unsigned char)s[i] & (0x7F >> n);
        for (size_t k = 1; k < n; k++)
            c = (c << 6) | ((unsigned char)s[i + k] & 0x3F);
        w += columns_of(c);
        i += n;
    }
    return w;
}

/* s, padded with spaces to width columns, on the left (right-aligned) or the right */
static void
pad(buf *out, const char *s, size_t width, bool right)
{
    size_t w = width_of(s);
    size_t spaces = w < width ? width - w : 0;
    if (!right)
        buf_puts(out, s);
    for (size_t i = 0; i < spaces; i++)
        buf_putc(out, ' ');
    if (right)
        buf_puts(out, s);
}

static const char *
cohort_name(const value *c)
{
    const char *name = value_str(value_map_get(c, "cohort"));
    return name ? name : "(none)";
}

/* stages down, cohorts across: how many projects of each cohort lack a date */
static void
print_table(buf *out, const value *m)
{
    const value *cohorts = value_map_get(m, "cohorts");
    const value *stages = value_map_get(m, "stages");
    if (!value_len(cohorts))
        return;
    size_t first = strlen("projects");
    for (size_t k = 0; k < value_len(stages); k++) {
        size_t w = width_of(value_str(stages->as.list.items[k]));
        first = w > first ? w : first;
    }
    buf_puts(out, "\nprojects without a date for each stage, per cohort:\n  ");
    pad(out, "stage", first, false);
    for (size_t i = 0; i < value_len(cohorts); i++) {
        buf_puts(out, "  ");
        pad(out, cohort_name(cohorts->as.list.items[i]), 6, true);
    }
    for (size_t k = 0; k <= value_len(stages); k++) {
        const char *row = k == 0 ? "projects" : value_str(stages->as.list.items[k - 1]);
        buf_puts(out, "\n  ");
        pad(out, row, first, false);
        for (size_t i = 0; i < value_len(cohorts); i++) {
            const value *c = cohorts->as.list.items[i];
            const value *v = k == 0 ? value_map_get(c, "projects")
                                    : value_map_get(value_map_get(c, "missing_stage_dates"), row);
            buf cell = BUF_INIT;
            value_to_text(&cell, v);
            size_t width = width_of(cohort_name(c));
            buf_puts(out, "  ");
            pad(out, cell.ptr, width > 6 ? width : 6, true);
            buf_free(&cell);
        }
    }
    buf_putc(out, '\n');
}

static void
print_counts(buf *out, const diag *d)
{
    size_t n;
    diag_code_count *counts = diag_count_codes(d, &n);
    if (n)
        buf_puts(out, "\nerrors and warnings by check:\n");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "  ");
        pad(out, counts[i].code, 20, false);
        if (counts[i].errors)
            buf_printf(out, "%zu %s%s", counts[i].errors,
                       plural(counts[i].errors, "error", "errors"), counts[i].warnings ? ", " : "");
        if (counts[i].warnings)
            buf_printf(out, "%zu %s", counts[i].warnings,
                       plural(counts[i].warnings, "warning", "warnings"));
        buf_putc(out, '\n');
    }
    free(counts);
}

static void
print_stale(buf *out, const value *m)
{
    const value *stale = value_map_get(m, "stale_projects");
    if (!value_len(stale))
        return;
    size_t months = (size_t)value_map_get(m, "stale_months")->as.number;
    buf_printf(out, "\nstale projects (no date, update or stage in the %zu %s before %s):\n",
               months, plural(months, "month", "months"),
               value_str(value_map_get(m, "build_date")));
    for (size_t i = 0; i < value_len(stale); i++) {
        const value *e = stale->as.list.items[i];
        const char *status = value_str(value_map_get(e, "status"));
        buf_printf(out, "  %s (newest date %s, status %s)\n", value_str(value_map_get(e, "file")),
                   value_str(value_map_get(e, "newest_date")), status ? status : "not set");
    }
}

void
check_report_print_text(const check_report *r, const diag *d, FILE *f)
{
    buf out = BUF_INIT;
    size_t errors = diag_error_count(d), warnings = diag_warning_count(d);
    const value *m = r->summary;
    if (m) {
        size_t pages = (size_t)value_map_get(m, "pages")->as.number;
        size_t projects = (size_t)value_map_get(m, "projects")->as.number;
        buf_printf(&out, "checked %zu %s, %zu %s (build date %s): ", pages,
                   plural(pages, "page", "pages"), projects,
                   plural(projects, "project", "projects"),
                   value_str(value_map_get(m, "build_date")));
    } else {
        buf_puts(&out, "the site did not load: ");
    }
    buf_printf(&out, "%zu %s, %zu %s\n", errors, plural(errors, "error", "errors"), warnings,
               plural(warnings, "warning", "warnings"));
    if (m)
        print_table(&out, m);
    print_counts(&out, d);
    if (m)
        print_stale(&out, m);
    fwrite(out.ptr, 1, out.len, f);
    buf_free(&out);
}

void
check_report_print_json(const check_report *r, const diag *d, FILE *f, bool errors_only)
{
    check_report *tmp = check_report_new(); /* the counts, made fresh for each print */
    value *m = value_new_map(tmp->a, SRC_NONE);
    set(tmp, m, "build_date", value_new_null(tmp->a, SRC_NONE));
    set(tmp, m, "pages", num(tmp, 0));
    set(tmp, m, "projects", num(tmp, 0));
    for (size_t i = 0; r->summary && i < r->summary->as.map.len; i++)
        set(tmp, m, r->summary->as.map.pairs[i].key, r->summary->as.map.pairs[i].val);
    set(tmp, m, "errors", num(tmp, (double)diag_error_count(d)));
    set(tmp, m, "warnings", num(tmp, (double)diag_warning_count(d)));
    value *checks = value_new_map(tmp->a, SRC_NONE);
    size_t n;
    diag_code_count *counts = diag_count_codes(d, &n);
    for (size_t i = 0; i < n; i++) {
        value *c = value_new_map(tmp->a, SRC_NONE);
        set(tmp, c, "errors", num(tmp, (double)counts[i].errors));
        set(tmp, c, "warnings", num(tmp, (double)counts[i].warnings));
        set(tmp, checks, counts[i].code, c);
    }
    free(counts);
    set(tmp, m, "checks", checks);
    if (!r->summary) {
        set(tmp, m, "stages", value_new_list(tmp->a, SRC_NONE));
        set(tmp, m, "cohorts", value_new_list(tmp->a, SRC_NONE));
        set(tmp, m, "stale_projects", value_new_list(tmp->a, SRC_NONE));
    }
    fputs("{\"findings\": ", f);
    diag_print_json(d, f, errors_only);
    buf out = BUF_INIT;
    value_to_json(&out, m, 2);
    fputs(",\n\"summary\": ", f);
    fwrite(out.ptr, 1, out.len, f);
    fputs("}\n", f);
    buf_free(&out);
    check_report_free(tmp);
}
