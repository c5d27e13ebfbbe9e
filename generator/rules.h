/* SPDX-License-Identifier: MIT
 * rules.h - consistency rules over the loaded pages, run once by site_check_pages after every
 * page is loaded and the published ones are chosen (it needs the build date): stage dates
 * in site.yaml order, dates in the future, status against the stages, patents against the
 * stages, stale projects. Each reports a warning with its code, at the value's position;
 * `site.yaml` `checks:` switches them (diag_set_check). Main thread only. */
#ifndef CLINFOLIO_RULES_H
#define CLINFOLIO_RULES_H

#include "config.h"
#include "diag.h"
#include "page.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rules_options {
    const config *cfg;
    value_date now;        /* what "the future" is after: SOURCE_DATE_EPOCH, else the clock */
    value_date build_date; /* site.build_date: staleness is measured back from it */
    bool drafts;           /* --drafts: drafts are published */
    bool future;           /* --future: pages dated in the future are published */
} rules_options;

/* Whether date (a VALUE_DATE; NULL is not) is an instant after now. */
bool rules_in_future(const value *date, const value_date *now);

/* Whether the build publishes p: not a draft (unless o->drafts), and a single page not
 * dated in the future (unless o->future; an _index.md is always published). */
bool rules_published(const page *p, const rules_options *o);

/* Checks pages[0..n), every loaded page (drafts included: they are checked in every
 * build), and reports what it finds to d as warnings with these codes:
 *   stage-order    a stage dated before a stage that comes earlier in site.yaml stages
 *   future-date    date, updated or a stage date after o->now
 *   status-stages  status transferred/marketed/startup without its stage date (startup:
 *                  or outcomes.company), active with a transfer, market or startup date
 *   patent-stage   a patent in outcomes.patents that is granted without a patent_granted
 *                  stage date, or filed (published, granted, lapsed) without patent_filed
 *   stale-project  rules_stale() */
void rules_check(const rules_options *o, const page *pages, size_t n, diag *d);
/* The same for one page, pages[i] of rules_check: pages may be checked on several threads
 * at once (d is thread-safe; its diagnostics are printed sorted). */
void rules_check_page(const rules_options *o, const page *p, diag *d);

/* Whether p is a stale project: a published single page of the `projects` section with
 * `stages` or `status` (a page that records progress), whose status (if any) is not
 * stopped, finished, transferred, marketed or startup, and whose
 * newest date (date, updated or a stage) is more than cfg->stale_months months before
 * o->build_date. *newest gets that date (NULL when p has none: never stale). */
bool rules_stale(const page *p, const rules_options *o, const value **newest);

#endif
