/* SPDX-License-Identifier: MIT
 * check.h - what `clinfolio check` prints besides the diagnostics: a data-quality summary
 * of the site (per cohort, how many projects lack a date for each stage; the stale
 * projects; the errors and warnings per check), as text, or with the diagnostics as one
 * JSON document. Collected from the model at the end of a check (build.c). */
#ifndef CLINFOLIO_CHECK_H
#define CLINFOLIO_CHECK_H

#include "diag.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct site site;
typedef struct check_report check_report;

/* An empty report (a site that did not load leaves it so); free with check_report_free. */
check_report *check_report_new(void);
void check_report_free(check_report *r);

/* Copies what the summary needs from the loaded site s, which may be freed afterwards:
 * the build date, the published pages and projects (single pages of the `projects`
 * section), per cohort the projects without a date for each stage, the stale projects
 * (rules_stale). */
void check_report_collect(check_report *r, const site *s);

/* The summary as text, for people:
 *   checked 34 pages, 28 projects (build date 2025-10-15): 0 errors, 0 warnings
 * then a table of stages by cohort, the counts per check, the stale projects. */
void check_report_print_text(const check_report *r, const diag *d, FILE *f);

/* One JSON document, for CI: {"findings": diag_print_json's array, "summary": {
 * "build_date", "pages", "projects", "errors", "warnings", "checks": {code: {"errors",
 * "warnings"}}, "stages": [key...], "cohorts": [{"cohort", "projects",
 * "missing_stage_dates": {stage: n}}], "stale_months", "stale_projects": [{"file",
 * "title", "status", "newest_date"}]}}, and a newline. build_date is null when the site
 * did not load. Warnings are left out of findings when errors_only. */
void check_report_print_json(const check_report *r, const diag *d, FILE *f, bool errors_only);

#endif
