/* SPDX-License-Identifier: MIT
 * rules.c - consistency rules over the loaded pages (in site_check_pages, after the pages are
 * loaded and the build date is known): stage order, future dates, status and patents
 * against the stages, stale projects. */
#include "rules.h"

#include "buf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A date for messages: as written, "2023-03-01" (with its time when it has one). */
typedef struct shown {
    char s[64];
} shown;

static shown
show_as(const value_date *d, bool day_only)
{
    shown r;
    buf b = BUF_INIT;
    if (day_only)
        value_date_format(&b, d, "%F");
    else
        value_date_iso(&b, d);
    snprintf(r.s, sizeof r.s, "%s", b.ptr);
    buf_free(&b);
    return r;
}

static shown
show(const value_date *d)
{
    return show_as(d, false);
}

bool
rules_in_future(const value *date, const value_date *now)
{
    return date && date->type == VALUE_DATE &&
           value_date_epoch(&date->as.date) > value_date_epoch(now);
}

bool
rules_published(const page *p, const rules_options *o)
{
    if (p->draft && !o->drafts)
        return false;
    return p->is_index || o->future || !rules_in_future(p->date, &o->now);
}

/* The date of stage key on p, NULL when p gives none. */
static const value *
stage_date(const page *p, const char *key)
{
    for (size_t i = 0; i < value_len(p->stages); i++) {
        const value *st = p->stages->as.list.items[i];
        const char *k = value_str(value_map_get(st, "key"));
        if (k && strcmp(k, key) == 0)
            return value_map_get(st, "date");
    }
    return NULL;
}

/* Whether site.yaml has the stage key (a site may define its own stages). */
static bool
has_stage(const config *cfg, const char *key)
{
    return config_stage_index(cfg, key, strlen(key)) >= 0;
}

static bool
is(const char *s, const char *word)
{
    return s && strcasecmp(s, word) == 0;
}

/* {====================================================================
 * stage-order and future-date
 * ===================================================================== */

/* p->stages is in site.yaml order: each date must be on or after every earlier one. */
static void
check_order(const page *p, diag *d)
{
    const value *latest = NULL; /* the latest date of the earlier stages */
    const char *latest_key = NULL;
    for (size_t i = 0; i < value_len(p->stages); i++) {
        const value *st = p->stages->as.list.items[i];
        const value *date = value_map_get(st, "date");
        const char *key = value_str(value_map_get(st, "key"));
        if (!date || date->type != VALUE_DATE || !key)
            continue;
        if (latest && value_compare(date, latest) < 0) {
            diag_report_code(d, DIAG_WARNING, "stage-order", date->pos,
                             "stage '%s' (%s) is dated before '%s' (%s), which comes earlier in "
                             "site.yaml stages",
                             key, show(&date->as.date).s, latest_key, show(&latest->as.date).s);
        } else if (!latest || value_compare(date, latest) > 0) {
            latest = date;
            latest_key = key;
        }
    }
}

static void
check_future(const page *p, const rules_options *o, diag *d)
{
    if (rules_in_future(p->date, &o->now)) {
        const char *what = "";
        if (!p->is_index && !(p->draft && !o->drafts))
            what = o->future ? " (published because of --future)"
                             : ": the page is not published (--future publishes it)";
        diag_report_code(d, DIAG_WARNING, "future-date", p->date->pos,
                         "'date' %s is in the future%s", show(&p->date->as.date).s, what);
    }
    if (rules_in_future(p->updated, &o->now))
        diag_report_code(d, DIAG_WARNING, "future-date", p->updated->pos,
                         "'updated' %s is in the future", show(&p->updated->as.date).s);
    for (size_t i = 0; i < value_len(p->stages); i++) {
        const value *st = p->stages->as.list.items[i];
        const value *date = value_map_get(st, "date");
        if (rules_in_future(date, &o->now))
            diag_report_code(d, DIAG_WARNING, "future-date", date->pos,
                             "stage '%s' is dated %s, in the future",
                             value_str(value_map_get(st, "key")), show(&date->as.date).s);
    }
}

/* {====================================================================
 * status-stages and patent-stage
 * ===================================================================== */

/* A status that says a stage was reached needs that stage's date. */
static const struct {
    const char *status, *stage;
} status_needs[] = {
    {"transferred", "transfer"},
    {"marketed", "market"},
    {"startup", "startup"},
};

static void
check_status(const page *p, const config *cfg, diag *d)
{
    const value *v = value_map_get(p->front, "status");
    const char *status = value_str(v);
    if (!status)
        return;
    for (size_t i = 0; i < sizeof status_needs / sizeof status_needs[0]; i++) {
        const char *stage = status_needs[i].stage;
        if (!is(status, status_needs[i].status) || !has_stage(cfg, stage) || stage_date(p, stage))
            continue;
        const value *company = value_path(p->front, "outcomes.company");
        if (strcmp(stage, "startup") == 0 && company && company->type != VALUE_NULL)
            continue; /* the company is the evidence */
        diag_report_code(
            d, DIAG_WARNING, "status-stages", v->pos,
            "status is '%s' but stage '%s' has no date%s; add it under stages:", status, stage,
            strcmp(stage, "startup") == 0 ? " and outcomes has no 'company'" : "");
    }
    if (!is(status, "active"))
        return;
    /* the furthest of startup, market and transfer that a still-active project has a
     * date for */
    for (size_t i = sizeof status_needs / sizeof status_needs[0]; i-- > 0;) {
        const value *date = stage_date(p, status_needs[i].stage);
        if (!date)
            continue;
        diag_report_code(d, DIAG_WARNING, "status-stages", v->pos,
                         "status is '%s' but stage '%s' is dated %s; did you mean status: %s?",
                         status, status_needs[i].stage, show(&date->as.date).s,
                         status_needs[i].status);
        return;
    }
}

/* Each patent of outcomes.patents by its status: granted needs a patent_granted date;
 * filed, published, granted and lapsed need a patent_filed date. Said once per stage. */
static void
check_patents(const page *p, const config *cfg, diag *d)
{
    const value *list = value_path(p->front, "outcomes.patents");
    static const char *const stages[] = {"patent_granted", "patent_filed"};
    bool said[2] = {false, false};
    for (size_t i = 0; i < value_len(list) && list->type == VALUE_LIST; i++) {
        const value *pt = list->as.list.items[i];
        const value *sv = value_map_get(pt, "status");
        const char *status = value_str(sv);
        bool granted = is(status, "granted");
        bool needs[2] = {granted, granted || is(status, "filed") || is(status, "published") ||
                                      is(status, "lapsed")};
        for (size_t k = 0; k < 2; k++) {
            if (!needs[k] || said[k] || !has_stage(cfg, stages[k]) || stage_date(p, stages[k]))
                continue;
            said[k] = true;
            const value *number = value_map_get(pt, "number");
            buf name = BUF_INIT;
            if (number && (number->type == VALUE_STRING || number->type == VALUE_NUMBER))
                value_to_text(&name, number);
            diag_report_code(d, DIAG_WARNING, "patent-stage", sv->pos,
                             "patent%s%s is %s but stage '%s' has no date; add it under stages:",
                             name.len ? " " : "", name.ptr, status, stages[k]);
            buf_free(&name);
        }
    }
}

/* {====================================================================
 * stale-project
 * ===================================================================== */

static int
days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* The calendar date `months` months before d (the 31st becomes the month's last day). */
static value_date
months_before(const value_date *d, size_t months)
{
    long m = (long)d->year * 12 + (d->month - 1) - (long)months;
    long year = m >= 0 ? m / 12 : -((-m + 11) / 12);
    value_date r = {0};
    r.year = (int)year;
    r.month = (int)(m - year * 12) + 1;
    int last = days_in_month(r.year, r.month);
    r.day = d->day < last ? d->day : last;
    return r;
}

static const value *
newer(const value *a, const value *b)
{
    if (!b || b->type != VALUE_DATE)
        return a;
    return !a || value_compare(b, a) > 0 ? b : a;
}

/* A status after which a project is not expected to change. */
static bool
final_status(const char *status)
{
    static const char *const finals[] = {"stopped", "finished", "transferred", "marketed",
                                         "startup"};
    for (size_t i = 0; i < sizeof finals / sizeof finals[0]; i++)
        if (is(status, finals[i]))
            return true;
    return false;
}

bool
rules_stale(const page *p, const rules_options *o, const value **newest)
{
    *newest = NULL;
    if (p->is_index || strcmp(p->section, "projects") != 0 || !rules_published(p, o))
        return false;
    if (!value_map_get(p->front, "stages") && !value_map_get(p->front, "status"))
        return false; /* a page that records no progress */
    const value *last = newer(p->date, p->updated);
    for (size_t i = 0; i < value_len(p->stages); i++)
        last = newer(last, value_map_get(p->stages->as.list.items[i], "date"));
    *newest = last;
    if (!last || final_status(value_str(value_map_get(p->front, "status"))))
        return false;
    value_date cutoff = months_before(&o->build_date, o->cfg->stale_months);
    return value_date_days_between(&last->as.date, &cutoff) > 0;
}

static void
check_stale(const page *p, const rules_options *o, diag *d)
{
    const value *last;
    if (!rules_stale(p, o, &last))
        return;
    size_t months = o->cfg->stale_months;
    diag_report_code(d, DIAG_WARNING, "stale-project", last->pos,
                     "project has no date, update or stage since %s, more than %zu month%s "
                     "before the build date %s (update the page and its 'updated' date, or set "
                     "status: stopped or finished)",
                     show(&last->as.date).s, months, months == 1 ? "" : "s",
                     show_as(&o->build_date, true).s);
}

/* }==================================================================== */

void
rules_check_page(const rules_options *o, const page *p, diag *d)
{
    if (!p->front || p->original)
        return; /* not loaded (its error is out already), or a translation (its facts are
                 * its original's, checked there) */
    check_order(p, d);
    check_future(p, o, d);
    check_status(p, o->cfg, d);
    check_patents(p, o->cfg, d);
    check_stale(p, o, d);
}

void
rules_check(const rules_options *o, const page *pages, size_t n, diag *d)
{
    for (size_t i = 0; i < n; i++)
        rules_check_page(o, &pages[i], d);
}
